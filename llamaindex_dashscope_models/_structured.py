"""Structured output for the LlamaIndex ``DashScope`` LLM: the model's native JSON output.

Where the catalog says a model answers in a JSON schema, ``structured_predict`` and its async and
streaming forms send ``response_format={"type": "json_schema", ...}``; where it has only JSON
mode, ``{"type": "json_object"}`` with the schema stated in a system message (DashScope wants
the word "JSON" in the prompt). Every other model, and any ``pydantic_program_mode`` other than
the default, gets LlamaIndex's own program: a forced tool call on models with tools, else
text parsing. Streaming yields partial objects parsed from the growing JSON text.

Example::

    program = program_for(llm, Cat, PromptTemplate("Describe the cat {name}."))
    cat = program(name="Tom")
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.output_parsers.utils import extract_json_str
from llama_index.core.program.utils import (
    FlexibleModel,
    get_program_for_llm,
    process_streaming_objects,
)
from llama_index.core.types import BasePydanticProgram, Model, PydanticProgramMode
from pydantic import ValidationError

from dashscope_models import get_spec
from dashscope_models.integration import native_structured_method, response_format

if TYPE_CHECKING:
    from llama_index.core.llms.llm import LLM
    from llama_index.core.prompts.base import BasePromptTemplate

__all__ = ["JSONOutputProgram", "program_for", "response_format_for"]

_TOOL_KWARGS = ("tool_required", "tool_choice", "allow_parallel_tool_calls")


def response_format_for(model: str, output_cls: type[Any]) -> dict[str, Any] | None:
    """DashScope's ``response_format`` for ``output_cls`` on ``model``, or ``None`` when the
    catalog gives the model neither JSON schema output nor JSON mode."""
    method = native_structured_method(get_spec(model))
    if method is None:
        return None
    schema = output_cls.model_json_schema() if method == "json_schema" else None
    return response_format(method, schema)


def program_for(
    llm: LLM, output_cls: type[Model], prompt: BasePromptTemplate
) -> BasePydanticProgram[Model]:
    """The program ``structured_predict`` runs: native JSON output when the model has it and
    the LLM's ``pydantic_program_mode`` is the default, else LlamaIndex's own choice. The model
    id is the LLM's ``metadata.model_name`` (``DashScope`` gives its ``model`` there)."""
    response_format = None
    if llm.pydantic_program_mode == PydanticProgramMode.DEFAULT:
        response_format = response_format_for(llm.metadata.model_name, output_cls)
    if response_format is None:
        return get_program_for_llm(
            output_cls, prompt, llm, pydantic_program_mode=llm.pydantic_program_mode
        )
    return JSONOutputProgram(llm, output_cls, prompt, response_format)


class JSONOutputProgram(BasePydanticProgram[Model]):
    """``output_cls`` from the model's JSON answer (``response_format``), one call per use.

    Example::

        JSONOutputProgram(Qwen(), Cat, prompt, {"type": "json_schema", ...})(name="Tom")
    """

    def __init__(
        self,
        llm: LLM,
        output_cls: type[Model],
        prompt: BasePromptTemplate,
        response_format: dict[str, Any],
    ) -> None:
        self._llm = llm
        self._output_cls = output_cls
        self._prompt = prompt
        self._response_format = response_format

    @property
    def output_cls(self) -> type[Model]:
        return self._output_cls

    def _chat_kwargs(
        self, llm_kwargs: dict[str, Any] | None, prompt_args: dict[str, Any]
    ) -> dict[str, Any]:
        kwargs = {k: v for k, v in (llm_kwargs or {}).items() if k not in _TOOL_KWARGS}
        messages = self._llm._extend_messages(
            self._prompt.format_messages(llm=self._llm, **prompt_args)
        )
        if self._response_format["type"] == "json_object":
            messages = _with_schema_hint(messages, self._output_cls)
        return {**kwargs, "messages": messages, "response_format": self._response_format}

    def _parse(self, text: str) -> Model:
        try:
            return self._output_cls.model_validate_json(text)
        except ValidationError:
            try:  # a model may still wrap its JSON in prose or a code fence
                return self._output_cls.model_validate_json(extract_json_str(text))
            except ValueError:
                pass
            raise

    def __call__(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Model:
        response = self._llm.chat(**self._chat_kwargs(llm_kwargs, kwargs))
        return self._parse(response.message.content or "")

    async def acall(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Model:
        response = await self._llm.achat(**self._chat_kwargs(llm_kwargs, kwargs))
        return self._parse(response.message.content or "")

    def stream_call(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Generator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None, None]:
        current: list[Any] | None = None
        for response in self._llm.stream_chat(**self._chat_kwargs(llm_kwargs, kwargs)):
            objects = process_streaming_objects(response, self._output_cls, current, llm=self._llm)
            current = objects if isinstance(objects, list) else [objects]
            yield objects

    async def astream_call(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncGenerator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None]:
        responses = await self._llm.astream_chat(**self._chat_kwargs(llm_kwargs, kwargs))

        async def gen() -> AsyncGenerator[
            Model | list[Model] | FlexibleModel | list[FlexibleModel], None
        ]:
            current: list[Any] | None = None
            async for response in responses:
                objects = process_streaming_objects(
                    response, self._output_cls, current, llm=self._llm
                )
                current = objects if isinstance(objects, list) else [objects]
                yield objects

        return gen()


def _with_schema_hint(messages: list[ChatMessage], output_cls: type[Any]) -> list[ChatMessage]:
    """JSON mode needs the schema (and the word JSON) in the prompt: put it in the system
    message, which stays first (some models accept a system message only there)."""
    schema = json.dumps(output_cls.model_json_schema(), ensure_ascii=False)
    hint = f"Answer with one JSON object that matches this JSON schema:\n{schema}"
    if messages and messages[0].role == MessageRole.SYSTEM:
        first = ChatMessage(role=MessageRole.SYSTEM, content=f"{messages[0].content}\n\n{hint}")
        return [first, *messages[1:]]
    return [ChatMessage(role=MessageRole.SYSTEM, content=hint), *messages]
