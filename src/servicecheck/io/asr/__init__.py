"""Speech-recogniser and subtitle outputs: vendor readers (fragments) and their assembly into transcripts."""
