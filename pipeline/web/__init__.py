"""`hoso serve`: the web app for the clerk and the receipt desk of the level above.

Built on the library like the CLI is, never on the CLI:

    store     records          <-> SQLite rows (schema migrations, one running job per unit)
    files     uploaded bytes    -> files checked by content, named by the app
    jobs      "build" click     -> a worker process running pipeline.dossier, progress rows
    register  received PDFs     -> checked submissions, statuses, Excel in and out
    security  request           -> the user (no login on loopback, accounts elsewhere), CSRF
    base      request           -> what handlers share (settings, form, uploads, the unit)
    clerk     clerk's requests  -> unit folders, validation, builds, page images, downloads
    desk      desk's requests   -> the register and its status board
    app       settings          -> the Starlette application (routes, middleware)
"""
