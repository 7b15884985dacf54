"""Every write of the directory; check_* validates untrusted input, do_* writes."""
