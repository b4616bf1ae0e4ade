"""Flask extensions, created here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


#: ``expire_on_commit=False``: a request that commits and then renders (every inline
#: edit) would otherwise reload the signed-in user with another SELECT. A session
#: lives for one request, so nothing it holds outlives the data it was read with.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
#: Outgoing email; configured from the ``MAIL_*`` settings (dashboard/config.py).
mail = Mail()
#: Limits are declared on the routes that need them (sign-in); none by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
