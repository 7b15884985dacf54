"""Every approval write: templates and roles, instances and their steps, side effects, job steps."""
