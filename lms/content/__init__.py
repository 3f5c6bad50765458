"""Course content: files under courses/ read into frozen dataclasses (no Flask, no database)."""
