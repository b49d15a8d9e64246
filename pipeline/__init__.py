"""hoso: the annual review dossier of a Vietnamese base-level party organisation.

The library is a pipeline of stages, each its own module, each turning one immutable
record into the next:

    load      unit folder            -> Unit (tables, attachments, content: grades, texts)
    tally     ballot counts           -> TallyResult
    rules     Unit + tallies          -> Assessment (ratings and findings)
    forms     Unit + Assessment       -> FormDoc contexts (one per generated form)
    render    FormDoc                 -> PDF bytes (HTML template) and DOCX bytes (docxtpl)
    assemble  rendered items          -> bound, numbered, bookmarked PDF and manifest
    check     bound PDF / unit folder -> completeness report
    preview   bound PDF               -> PNG pages and an HTML gallery

`pipeline.dossier` is the orchestrator (build, and prepare for the handouts);
`pipeline.cli` is the thin command line.
"""

__version__ = "0.1.0"
