"""Tables, the engine and repositories. Imports no other package of the project."""
