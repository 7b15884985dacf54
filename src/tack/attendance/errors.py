"""Attendance's stable error codes (zh-CN texts in core/i18n.py)."""

from tack.core.errors import AppError, BadRequest, Conflict, Forbidden, Unauthorized


class BadShiftTime(BadRequest):
    code = "shift_bad_time"
    message = "Shift times are HH:MM between 00:00 and 23:59"


class ShiftEndsBeforeStart(BadRequest):
    code = "shift_ends_before_start"
    message = "The shift ends before it starts (mark it overnight if it ends the next day)"


class ShiftTooLong(BadRequest):
    code = "shift_too_long"
    message = "A shift lasts at most 24 hours"


class BadShiftRule(BadRequest):
    code = "shift_bad_rule"
    message = "The shift's grace, serious-late or required minutes do not fit the shift"


class ShiftInUse(Conflict):
    code = "shift_in_use"
    message = "The shift is used by a group or a schedule"


class GroupNeedsShift(BadRequest):
    code = "group_needs_shift"
    message = "Fixed and flexible groups need a shift of the same kind"


class ScheduleOverlap(BadRequest):
    code = "schedule_overlap"
    message = "The shifts of consecutive days overlap"


class NotScheduledGroup(BadRequest):
    code = "not_scheduled_group"
    message = "Only members of a scheduled (排班) group get schedules"


class BadPlace(BadRequest):
    code = "place_invalid"
    message = "A geofence needs lat, lng and radius; a Wi-Fi place needs SSID and BSSID"


class RadiusOutOfRange(BadRequest):
    code = "place_radius_out_of_range"
    message = "The radius must be between 100 and 3,000 m"


class CoordinatesOutOfRange(BadRequest):
    code = "coordinates_out_of_range"
    message = "Latitude must be within ±90 and longitude within ±180"


class BadRange(BadRequest):
    code = "bad_date_range"
    message = "The date range is empty or too long"


class ClockSkew(BadRequest):
    code = "clock_skew"
    message = "Your device's clock is too far from the server's; correct it and try again"


class NotInGroup(Conflict):
    code = "not_in_attendance_group"
    message = "You are not in any attendance group"


class OutOfRange(BadRequest):
    code = "checkin_out_of_range"
    message = "You are not at any of your group's check-in places"


class FieldNotAllowed(Forbidden):
    code = "field_checkin_not_allowed"
    message = "Your attendance group does not allow field check-ins (外勤)"


class FieldNoteRequired(BadRequest):
    code = "field_note_required"
    message = "A field check-in (外勤) needs a note"


class ClientDeviceRequired(BadRequest):
    code = "client_device_required"
    message = "Your group requires check-ins from your bound device"


class DeviceNotBound(Forbidden):
    code = "device_not_bound"
    message = "Check in from the device bound to you (本机打卡)"


class BadSignature(Unauthorized):
    code = "device_bad_signature"
    message = "The device request is not signed correctly"


class StaleDeviceRequest(Unauthorized):
    code = "device_stale_request"
    message = "The device request is too old or from the future"


class DeviceDisabled(Forbidden):
    code = "device_disabled"
    message = "The clock-in device is disabled"


class DeviceSerialTaken(Conflict):
    code = "device_serial_taken"
    message = "A device with that serial number is already registered"


class LeaveBadRange(BadRequest):
    code = "leave_bad_range"
    message = "A leave must end after it starts"


class TooManyRecords(AppError):
    status_code = 413
    code = "device_batch_too_large"
    message = "At most 1,000 records per device batch"



class BadBatch(AppError):
    status_code = 422
    code = "validation_error"
    message = "The batch is not valid JSON of the documented shape"
