"""Scheduled file exports to legacy systems that take files only (STMT's statements).

`ExportJob.run` reads the feed since its last run once and writes each closed day's file,
atomically, with a manifest; `ExportJob.rerun` replaces a day's file after late events.
"""
