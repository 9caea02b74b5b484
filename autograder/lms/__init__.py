"""Learning management systems: read the class roster an LMS exports, match submissions to it, and
write the grade file that LMS imports (Canvas gradebook CSV, Moodle grading worksheet)."""
