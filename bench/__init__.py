"""`make bench`: speed and memory of Cartwheel's services, pages and server (issue 8)."""
