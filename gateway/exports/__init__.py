"""Scheduled file exports to legacy systems that take files only (STMT's statements).

`ExportJob.run` files new events by business day and writes each closed day's file once,
atomically, with a manifest; `ExportJob.rerun` replaces a day's file after late events.
"""
