"""plpcore: the domain of PlanTable — plans, goals, supports, meetings — with its database.

Pages and the command line call the services, queries and meetings modules; nothing
here imports streamlit.
"""
