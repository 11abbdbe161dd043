"""Long uploads (bank statements, imports) processed by a background job, with their progress.

The upload is stored with its file (in the database, so a worker on any machine can read it),
a job is queued in the same transaction, and the client gets the upload's id at once; ``GET
/api/v1/uploads/{id}`` shows the stage, rows done, rate and the result or error. The domain job
marks the upload finished in the same transaction as its work, so an upload never says
"succeeded" for work that was lost, nor is done twice.
"""
