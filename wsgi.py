from lgadmin import create_app

app = create_app()
