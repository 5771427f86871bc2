"""What operators see and do, shared by the console (`/admin`) and the `gateway` command line.

Dead letters with the posting they are, a command's journey, the audit log, readable times.
"""
