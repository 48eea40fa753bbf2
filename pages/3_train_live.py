import streamlit as st

st.title("Train it live")
st.info("This lesson is being built.")
