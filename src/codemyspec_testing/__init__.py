"""The test stand-in for the model, and the example project ``codemyspec demo`` implements.

Shipped in the same distribution as ``codemyspec`` but not part of it: the tool never
imports this package except inside ``codemyspec demo``'s command function, so a scripted
model and its assertion-style :class:`ScriptError` never load with the product. The end to
end tests import it to drive the real Claude Code CLI offline.
"""

from codemyspec_testing.example import (
    COMPONENT_NAMES,
    CONTEXT_NAME,
    EXAMPLE_FILES,
    IMPLEMENTATIONS,
    code_path,
    example_script,
    prompt_key,
)
from codemyspec_testing.scripted_model import (
    ALLOWED_TOOLS,
    DUMMY_API_KEY,
    ModelRequest,
    Reply,
    Responder,
    Script,
    ScriptedModel,
    ScriptError,
    ToolCall,
    bash,
    by_prompt,
    calls,
    edit,
    read,
    say,
    tool_call,
    write,
)

__all__ = [
    "ALLOWED_TOOLS",
    "COMPONENT_NAMES",
    "CONTEXT_NAME",
    "DUMMY_API_KEY",
    "EXAMPLE_FILES",
    "IMPLEMENTATIONS",
    "ModelRequest",
    "Reply",
    "Responder",
    "Script",
    "ScriptError",
    "ScriptedModel",
    "ToolCall",
    "bash",
    "by_prompt",
    "calls",
    "code_path",
    "edit",
    "example_script",
    "prompt_key",
    "read",
    "say",
    "tool_call",
    "write",
]
