"""Directory (通讯录): organizations, departments, members, roles, invitations, accounts."""
