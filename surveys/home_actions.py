"""What the surveys app offers on the home page, and its demo survey."""
