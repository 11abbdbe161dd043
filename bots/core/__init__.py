"""The conversation core shared by every channel (see ``engine`` for how a message is handled).

Channel adapters need two things: a ``ConversationCore`` and the ``messages`` contract::

    from bots.core.engine import ConversationCore
    from bots.core.messages import Incoming

    core = ConversationCore.connect(api_url, token=bot_token)  # transport= for in-process
    reply = await core.handle(Incoming("telegram", str(chat_id), str(message_id), text=text))

``bot_token`` is ``COBRO_BOT_TOKEN`` (``cobro bot-token``) or, in the backend's own process,
``backend.conversations.service.ensure_bot_identity(session)``.
"""
