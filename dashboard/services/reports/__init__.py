"""Reports a centre runs on (issue 15): hours, attendance, cancellations and reviews.

* ``query``: what a report covers (dates and filters), parsed from the query string.
* ``figures``: every figure of the page from one aggregate SQL statement.
* ``tables``: the columns of each table, shared by the page and its CSV file.
* ``csv_files``: CSV text that opens safely in a spreadsheet; the streamed sessions export.
* ``charts``: the SVG charts (pygal), drawn on the server.
"""
