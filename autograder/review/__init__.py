"""``nncourse review``: a local web page where TAs grade written answers question by question."""
