"""Research and training tools for PeerCert (not imported by the LMS at run time except by the CLI's research
commands). Run from the repository root."""
