"""placeholder"""
NOTES = []


def builders():
    return []
