"""The playground: type an expression, see it drawn as the book draws it, step its backward
pass — in a browser (`graphgrad serve`: server.py, page.py, assets/) and in Jupyter
(`viz.playground()`: widget.py).  build.py is the one module here that calls the drawing
and stepping machinery; examples.py holds the menu of the book's graphs."""
