"""Spinal-origin CDS Hooks 2.0 service."""
