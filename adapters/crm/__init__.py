"""CRM: the customer system that calls the gateway's webhooks and receives account news."""
