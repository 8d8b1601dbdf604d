"""The floor: what Streamlit itself costs on this machine (issue 17). One sidebar selectbox and one Plotly bar chart of
63 bars, nothing else: no database, no cache, no login. Every figure of the benchmark is a ratio to this app measured
in the same run, because the machine's speed drifts.

    python -m streamlit run bench/floor_app.py      (the benchmark starts it: bench/server.py)

Choosing another year redraws the chart with other values (sorted, so the bars' order and the axis change too), as
choosing a year does on the dashboard's rankings page. The selectbox is labelled and keyed like the dashboard's
year ("Năm", `_w_year`), so the same Chromium and agent-API code drives both.
"""

import random

import plotly.graph_objects as go
import streamlit as st

YEARS = list(range(2024, 2015, -1))
PROVINCES = [f"Tỉnh {i:02d}" for i in range(1, 64)]

with st.sidebar:
    year = st.selectbox("Năm", YEARS, key="_w_year")
rng = random.Random(year)
values = sorted(((round(rng.uniform(55, 95), 2), p) for p in PROVINCES), reverse=True)
figure = go.Figure(go.Bar(x=[v for v, _ in values], y=[p for _, p in values], orientation="h"))
figure.update_layout(title=f"Chỉ số {year}", height=1100, margin={"l": 120, "r": 20, "t": 40, "b": 20})
st.plotly_chart(figure, width="stretch", config={"displaylogo": False}, key="floor_chart")
