"""The directory as DingTalk's server API shows it (users, departments), read through the
directory's own queries and visibility rules, never its tables."""
