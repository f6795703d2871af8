"""What PlanTable's screens share: the signed-in person, routes, messages, editing and words.

Screens live in `pages/` and import from here; nothing here imports `pages/`, and the
school's rules stay in `plpcore`.
"""
