import streamlit as st

st.title("Explore the space")
st.info("This lesson is being built.")
