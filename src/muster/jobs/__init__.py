"""Background work, done from database rows: reminders, escalations, delivery."""
