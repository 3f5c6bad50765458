"""xAPI 1.0.3: learning records sent to the learning record store (LRS) an organization configures.

- `statements`: the statements, built from plain values (pure);
- `outbox`: the signal receivers, writing one outbox row per statement in the event's transaction;
- `sending`: the job that sends the outbox in batches, with retries and backoff, and its recovery;
- `services`: the settings (secret encrypted with `lms.secret_box`), the test statement, the statements page;
- `views` on the blueprint `xapi` (`/org/xapi`), which connects the receivers when registered.
"""
