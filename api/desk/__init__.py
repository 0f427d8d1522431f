"""The review desk: sessions, forms and rendering for the /desk pages."""
