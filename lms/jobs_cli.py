"""`flask --app lms jobs ...`: the RQ worker, the queue's state, and recovering unfinished work."""

import click
import redis
from flask import current_app
from flask.cli import AppGroup
from rq import Queue
from rq.registry import FailedJobRegistry
from rq.worker import Worker

from lms import jobs

jobs_cli = AppGroup("jobs", help="Background jobs: worker, status, recovery.")


def _require_redis() -> None:
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set: jobs run inline in the web processes and no worker is needed."
        )
    try:
        jobs.redis_connection().ping()
    except redis.RedisError as error:
        raise click.ClickException(f"Cannot reach Redis: {error}") from error


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, cron).")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked child.")
@click.option("--queue", "queues", multiple=True, help="Queue(s) to listen on (default: JOB_QUEUE).")
@click.option("--with-scheduler/--without-scheduler", default=True, show_default=True,
              help="Also move retries whose delay has passed back to the queue.")
@click.option("--logging-level", default="INFO", show_default=True)
def worker_command(burst, simple, queues, with_scheduler, logging_level):
    """Run an RQ worker with the application context (recoveries at start and periodically)."""
    _require_redis()
    worker = jobs.make_worker(current_app._get_current_object(), simple=simple, queues=list(queues) or None)
    names = ", ".join(worker.queue_names())
    click.echo(f"Worker {worker.name} on queue(s) {names}; recoveries: {', '.join(jobs.recoveries()) or 'none'}")
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=logging_level)


@jobs_cli.command("status")
def status_command():
    """Where jobs run, and the queue's counts (queued, running, scheduled retries, failed)."""
    config = current_app.config
    recoveries = ", ".join(sorted(jobs.recoveries())) or "none"
    if not config.get("REDIS_URL"):
        click.echo("Mode: inline (REDIS_URL is not set): jobs run in the process that asks for them.")
        click.echo(f"Recoveries registered: {recoveries}")
        return
    _require_redis()
    connection = jobs.redis_connection()
    queue = Queue(config["JOB_QUEUE"], connection=connection)
    workers = Worker.all(connection=connection)
    click.echo(f"Mode: RQ on Redis, queue {queue.name!r}")
    click.echo(f"  queued     {queue.count}")
    click.echo(f"  running    {queue.started_job_registry.count}")
    click.echo(f"  scheduled  {queue.scheduled_job_registry.count}  (retries waiting for their delay)")
    click.echo(f"  failed     {queue.failed_job_registry.count}  (retries exhausted: flask jobs requeue-failed)")
    click.echo(f"  finished   {queue.finished_job_registry.count}")
    click.echo(f"Workers: {len(workers)}")
    for worker in workers:
        click.echo(f"  {worker.name}  {worker.get_state()}  queues={','.join(worker.queue_names())}")
    click.echo(f"Recoveries registered: {recoveries}")


@jobs_cli.command("requeue-failed")
def requeue_failed_command():
    """Put every failed job back on the queue (after fixing what made it fail)."""
    _require_redis()
    queue = Queue(current_app.config["JOB_QUEUE"], connection=jobs.redis_connection())
    registry = FailedJobRegistry(queue=queue)
    job_ids = registry.get_job_ids()
    for job_id in job_ids:
        registry.requeue(job_id)
    click.echo(f"Requeued {len(job_ids)} failed job(s).")


@jobs_cli.command("recover")
@click.argument("names", nargs=-1)
def recover_command(names):
    """Run the registered recoveries (all, or the NAMES given): find unfinished work and redo it."""
    known = jobs.recoveries()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.ClickException(
            f"No recovery named {', '.join(unknown)}. Registered: {', '.join(sorted(known)) or 'none'}."
        )
    if not known:
        click.echo("No recoveries are registered.")
        return
    _echo_results(jobs.run_recoveries(list(names) or None))


@jobs_cli.command("retry-missing-pdfs")
def retry_missing_pdfs_command():
    """Render every certificate PDF that is still missing (issued, but its rendering failed)."""
    if jobs.MISSING_PDFS not in jobs.recoveries():
        raise click.ClickException(f"No recovery named {jobs.MISSING_PDFS!r} is registered.")
    _echo_results(jobs.run_recoveries([jobs.MISSING_PDFS]))


def _echo_results(results: dict) -> None:
    failed = False
    for name, count in results.items():
        if count == -1:
            failed = True
            click.echo(f"{name}: failed (see the log)")
        else:
            click.echo(f"{name}: {count or 0} unfinished item(s) found and redone or queued")
    if failed:
        raise click.exceptions.Exit(1)
