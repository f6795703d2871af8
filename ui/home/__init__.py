"""Each role's home: the caseload, supports owed, a family's glance at the plan, and my goals."""
