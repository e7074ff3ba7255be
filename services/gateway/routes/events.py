"""Placeholder: filled in by its part of the gateway issue."""

from fastapi import APIRouter

router = APIRouter()
