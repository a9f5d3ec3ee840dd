from staffing.cli import app

app()
