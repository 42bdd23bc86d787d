"""The desktop window: conversation, voice controls, settings and the fine-tuning wizard.

Only this package imports Qt (PySide6). Start it with :func:`app.gui.app.run_app`, which the
``wenda`` command calls when it is run with no arguments and a display is available.
"""
