"""The little framework behind nova-manage: categories of actions.

A category is a class; each public method is an action whose command
line options are declared with ``@args`` right above it, so an action's
interface and its code are read together, as in Nova.
"""

import inspect
import sys

import prettytable

# Options of an action land in the parsed namespace under this prefix so
# they never collide with oslo.config's own attributes.
KWARG_PREFIX = 'action_kwarg_'


def args(*names, **kwargs):
    """Declare one command line option of the decorated action."""
    def decorator(func):
        func.__dict__.setdefault('cli_args', []).insert(0, (names, kwargs))
        return func
    return decorator


def actions(category):
    """(name, bound method) of every action of a category object."""
    return [(name, method) for name, method in
            inspect.getmembers(category, inspect.ismethod)
            if not name.startswith('_')]


def add_parsers(subparsers, categories):
    """oslo.config SubCommandOpt handler: one sub-parser per action."""
    for category_name, category_cls in categories.items():
        parser = subparsers.add_parser(
            category_name, help=_first_line(category_cls.__doc__))
        action_parsers = parser.add_subparsers(dest='action')
        action_parsers.required = True
        for name, method in actions(category_cls()):
            action = action_parsers.add_parser(
                name, help=_first_line(method.__doc__),
                description=method.__doc__)
            dests = []
            for names, kwargs in getattr(method, 'cli_args', []):
                kwargs = dict(kwargs)
                dest = kwargs.pop('dest', None) or _dest(names)
                dests.append(dest)
                if names[0].startswith('-'):
                    action.add_argument(*names, dest=KWARG_PREFIX + dest,
                                        **kwargs)
                else:  # a positional argument is named by its dest
                    action.add_argument(KWARG_PREFIX + dest, **kwargs)
            action.set_defaults(action_fn=method, action_kwargs=dests)


def _dest(names):
    name = next((n for n in names if n.startswith('--')), names[0])
    return name.lstrip('-').replace('-', '_')


def _first_line(text):
    return (text or '').strip().split('\n')[0]


def call_action(command):
    """Run the action chosen on the command line with its options."""
    kwargs = {dest: getattr(command, KWARG_PREFIX + dest)
              for dest in command.action_kwargs}
    return command.action_fn(**kwargs)


def error(message):
    """One line on stderr: what went wrong, for an operator to act on."""
    print(message, file=sys.stderr)


def print_table(headers, rows, sort_key=None, align='c'):
    """Print rows as the boxed tables Nova's commands print."""
    table = prettytable.PrettyTable(headers)
    table.align = align
    for row in sorted(rows, key=sort_key) if sort_key else rows:
        table.add_row(row)
    print(table)
