"""Attendance records and results at DingTalk's paths (/attendance/list, /attendance/listRecord)."""
