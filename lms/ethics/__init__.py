"""The course's code of ethics: read and signed before the certificate, signed again for a new version."""
