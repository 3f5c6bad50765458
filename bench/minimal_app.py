"""The baseline: the smallest Flask app that answers JSON, served by the same gunicorn settings.

`gunicorn -c gunicorn.conf.py bench.minimal_app:app`. Whatever the verification API costs beyond
this is our code (routing, the database, serialization), not the framework or the server.
"""

import os

from flask import Flask, jsonify, send_file

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify(status="ok")


@app.get("/file")
def stored_file():
    """Serve one file from disk (the baseline for serving a stored certificate PDF)."""
    return send_file(os.environ["BENCH_FILE"], mimetype="application/pdf")
