"""The meeting room's parts: the lobby, the live room, each agenda step, and the record."""
