"""The portal's date and time formats (settings.FORMAT_MODULE_PATH), where Django's locale would
say "2:14 p.m.": the admin and any value rendered without a format of its own show the pages'
style, "4 Dec 2026, 14:12", on a 24-hour clock."""
