"""The archive of a cycle (归档备案): the workbook, the printable forms, and freezing the cycle."""
