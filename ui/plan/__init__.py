"""The plan screen's parts: the plan as loaded for one viewer, and each section of the working document."""
