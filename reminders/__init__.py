"""The calendar, the schedule and what is due. Imports storage only."""
