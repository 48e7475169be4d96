"""Rasa input channels of the clinic assistant (REST, socket.io widget, Twilio SMS/WhatsApp)."""
