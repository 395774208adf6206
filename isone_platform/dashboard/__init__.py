"""The analysts' dashboard: a Streamlit app over the read-only warehouse (`isone-platform dashboard`).

`queries.py` computes every panel from a connection (pure functions, tested directly), `charts.py` turns the
frames into Vega-Lite charts, `app.py` is the Streamlit script and `server.py` starts it.
"""
