"""Attendance (考勤): groups, shifts, places, holidays, check-ins, daily results, reports."""
