import streamlit as st

st.title("One-hot × W = lookup")
st.info("This lesson is being built.")
