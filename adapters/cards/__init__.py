"""CARDS: the card management system, which the gateway polls for card status changes."""
