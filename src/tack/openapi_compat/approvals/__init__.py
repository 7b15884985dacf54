"""Approval instances (审批) at DingTalk's paths: create, get, list ids, list, templates by user;
bpms_instance_change / bpms_task_change events from approval's hook."""
